// The report's Print button, wired here because the Content-Security-Policy refuses inline
// handlers (onclick="...").
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
