// Generated procedure forms: hide the fields a "same as …" checkbox makes unnecessary.
(() => {
  const sync = (checkbox) => {
    document.querySelectorAll(`[data-unless="${checkbox.name}"]`).forEach((el) => {
      el.hidden = checkbox.checked;
    });
  };
  const boxes = () => document.querySelectorAll(".application-form input[type='checkbox']");
  document.addEventListener("DOMContentLoaded", () => boxes().forEach(sync));
  document.addEventListener("change", (event) => {
    if (event.target.matches(".application-form input[type='checkbox']")) sync(event.target);
  });
})();
