// Project page: a "print handout" link (the print stylesheet does the layout).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".js-print").forEach(function (link) {
    link.hidden = false;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  });
});
