// "Print this page" buttons: shown only when JavaScript runs (the browser's own print works too).
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
