// Doorstroom's only script of its own: put the keyboard focus on a form's error summary, or on the notice that a
// step succeeded, so a person who cannot see the page hears at once what happened. Everything else works without
// JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const target = document.getElementById("foutmeldingen") || document.getElementById("melding");
  if (target) target.focus();
});
