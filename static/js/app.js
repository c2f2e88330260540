// ossdesk's own script: small behaviours that the CSP forbids inline.
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-action='print']");
  if (el) {
    event.preventDefault();
    window.print();
  }
});

// A 401/403/5xx answer to an htmx request still shows its message.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status >= 400 && event.detail.xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// 変更等申込: show only the fields of the chosen kind of change.
function showChangeFields(select) {
  document.querySelectorAll("fieldset[data-change-kind]").forEach((fs) => {
    fs.hidden = fs.dataset.changeKind !== select.value;
  });
}
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("select#kind");
  if (select && document.querySelector("fieldset[data-change-kind]")) {
    showChangeFields(select);
    select.addEventListener("change", () => showChangeFields(select));
  }
});

// Parts of a page that follow an event another part announces (HX-Trigger), without polling:
// each element with data-refresh-on="<event>" is reloaded from its data-refresh-url. Each
// request is its element's own (source): htmx queues requests per source element, and
// without one they all shared the body, so only the first part was reloaded.
document.addEventListener("application-status-changed", (event) => {
  document.querySelectorAll(`[data-refresh-on="${event.type}"]`).forEach((el) => {
    htmx.ajax("GET", el.dataset.refreshUrl, { source: el, target: el, swap: "outerHTML" });
  });
});
