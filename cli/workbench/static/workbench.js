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

// New run: show the chosen policy's options only (the others are disabled, so not sent), and
// put the policy's own county in the County field unless someone typed another.
document.addEventListener("DOMContentLoaded", () => {
  const policy = document.getElementById("policy");
  if (!policy) return;
  const county = document.getElementById("county");
  const known = new Set((county.dataset.policyCounties || "").split("|").filter(Boolean));
  const sync = (changed) => {
    for (const box of document.querySelectorAll(".policy-options")) {
      const on = box.dataset.policy === policy.value;
      box.hidden = !on;
      for (const input of box.querySelectorAll("input, select")) input.disabled = !on;
    }
    const own = policy.selectedOptions[0] ? policy.selectedOptions[0].dataset.county : "";
    if (changed && (county.value === "" || known.has(county.value))) county.value = own || "";
  };
  policy.addEventListener("change", () => sync(true));
  sync(false);
});

// A run, report or filing in progress: poll its state, move the bar, open the results when
// it is done. Without this script the page refreshes itself every two seconds.
document.addEventListener("DOMContentLoaded", () => {
  const job = document.getElementById("job");
  if (!job || ["done", "rejected", "failed", "cancelled"].includes(job.dataset.state)) return;
  const bar = document.getElementById("bar");
  const state = document.getElementById("job-state");
  const poll = async () => {
    let status;
    try {
      const reply = await fetch(job.dataset.statusUrl, { credentials: "same-origin" });
      if (!reply.ok) throw new Error(String(reply.status));
      status = await reply.json();
    } catch (error) {
      setTimeout(poll, 2000);
      return;
    }
    if (status.state === "done") {
      window.location.assign(job.dataset.doneUrl);
      return;
    }
    if (["rejected", "failed", "cancelled"].includes(status.state)) {
      window.location.reload();
      return;
    }
    if (status.state === "deciding") {
      bar.value = status.percent;
      state.textContent = `Deciding: ${status.percent} % of the input rows, ` +
        `${status.people.toLocaleString()} people`;
    } else if (status.state === "reading") {
      state.textContent = status.kind === "run" ? "Reading and grouping the file…" : "Working…";
    }
    setTimeout(poll, 700);
  };
  setTimeout(poll, 300);
});
