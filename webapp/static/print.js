// The report's "Print or save as PDF" link: without JavaScript it leads to the words saying how
// (the browser's own Print); with it, it opens the print dialog at once.
(function () {
  var links = document.querySelectorAll("[data-print]");
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  }
})();
