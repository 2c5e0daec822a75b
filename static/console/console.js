// Scimitar console: the little the pages need beyond htmx, with no inline script (the CSP
// forbids it). Dialogs: a button with data-open="<dialog id>" opens that dialog modally and
// puts focus on its first field; Escape and buttons with data-close close it, and focus goes
// back to the button that opened it.
"use strict";
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-open]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.open);
    if (dialog) {
      dialog.showModal();
      dialog.returnFocusTo = opener;
      const first = dialog.querySelector("input:not([type=hidden]), button, select, textarea");
      if (first) first.focus();
    }
    return;
  }
  const closer = event.target.closest("[data-close]");
  if (closer) {
    const dialog = closer.closest("dialog");
    if (dialog) dialog.close();
  }
});
document.addEventListener("close", (event) => {
  const dialog = event.target;
  if (dialog instanceof HTMLDialogElement && dialog.returnFocusTo) dialog.returnFocusTo.focus();
}, true);
// "Select all" check boxes: data-select-all="<name>" toggles every check box of that name.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  document.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`)
    .forEach((box) => { box.checked = all.checked; });
});
// Add users: a user checked in the search results moves to the "Selected" list, so the next
// search (which replaces the results) does not drop it.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || !box.checked) return;
  const results = box.closest("[data-pick-results]");
  if (!results) return;
  const picked = document.getElementById(results.dataset.pickResults);
  const item = box.closest("li");
  if (picked && item) {
    picked.appendChild(item);
    picked.hidden = false;
    box.focus();
  }
});
// Copy buttons: data-copy="<element id>" puts that element's text on the clipboard.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(() => {
    button.textContent = "Copied";
  });
});
