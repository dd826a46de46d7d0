// Doorstroom's only script of its own: put the keyboard focus on a form's error summary, or on the notice that a
// step succeeded, so a person who cannot see the page hears at once what happened. Everything else works without
// JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.getElementById("foutmeldingen") || document.getElementById("melding");
  if (target) target.focus();
});

// Matchingsronde and wat-als (issue 12): a form whose answer takes a moment (a what-if is computed inside the
// request; a round is only queued, and its page polls its progress with htmx) says that it is busy while the
// browser waits, in its live region (`data-bezig` names it; `data-tekst` is the message), and is not sent twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.bezig) return;
  if (form.dataset.verzonden) {
    event.preventDefault();
    return;
  }
  form.dataset.verzonden = "1";
  const status = document.getElementById(form.dataset.bezig);
  if (status) status.textContent = status.dataset.tekst || "";
  form.setAttribute("aria-busy", "true");
});
// A page shown again from the back-forward cache may be sent again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-bezig]")) {
    delete form.dataset.verzonden;
    form.removeAttribute("aria-busy");
    const status = document.getElementById(form.dataset.bezig);
    if (status) status.textContent = "";
  }
});
