// Search page: on wide screens the filter panel starts open; on phones it stays folded.
(function () {
  var panel = document.getElementById("search-filters");
  if (panel && window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) {
    panel.open = true;
  }
})();
