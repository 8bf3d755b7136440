// Reviewers' workbench: enable the relief or ground list only for the action that needs it.
// The form works without this script; the server checks every field.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.decide")) {
    const sync = () => {
      const chosen = form.querySelector("input[name=action]:checked");
      const action = chosen ? chosen.value : "";
      for (const select of form.querySelectorAll("select[data-for]")) {
        select.disabled = select.dataset.for !== action;
      }
    };
    form.addEventListener("change", sync);
    sync();
  }
});
