// A header checkbox (data-select-all="<field name>") selects or clears every row of its
// group: the nearest element marked data-select-scope (one 一括利用者ID of a 受付番号リスト),
// else its form (the page of 申請データ送信). Without JavaScript rows are ticked one by one.
document.addEventListener("change", (event) => {
  const all = event.target.closest("input[data-select-all]");
  if (!all) return;
  const scope = all.closest("[data-select-scope]") || all.closest("form");
  scope.querySelectorAll(`input[name="${all.dataset.selectAll}"]`).forEach((box) => {
    box.checked = all.checked;
  });
});
