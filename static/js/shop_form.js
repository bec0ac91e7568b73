// Shop application/edit form: show the market name and stall number only for market stalls.
(function () {
  "use strict";
  var select = document.querySelector(".shop-form select[name=shop_type]");
  var box = document.querySelector(".shop-form .market-fields");
  if (!select || !box) { return; }
  function update() {
    var show = select.value === box.getAttribute("data-market-type");
    box.hidden = !show;
  }
  select.addEventListener("change", update);
  update();
})();
