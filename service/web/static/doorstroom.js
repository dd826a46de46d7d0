// Doorstroom's only script of its own: put the keyboard focus on a form's error summary, so a person who
// cannot see the page hears at once what to correct. Everything else works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("foutmeldingen");
  if (summary) summary.focus();
});
