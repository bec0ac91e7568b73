// Checkout page: keep the shown total in step with the delivery/pickup choices (the server
// recomputes everything on submit; this is only a preview). Also disables the submit button
// after the first click so a double click sends one request (the idempotency key covers the rest).
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) { return; }
  var totalEl = document.getElementById("checkout-total");
  var lang = document.documentElement.lang === "en" ? "en" : "zh-CN";
  var fmt = new Intl.NumberFormat(lang, { style: "currency", currency: "CNY" });

  function selectedRegions() {
    // the chosen address's region and everything above it: a zone at any of them serves it
    var a = form.querySelector("input[name=address_id]:checked");
    return a ? (a.getAttribute("data-regions") || "").split(",") : null;
  }

  function update() {
    var total = 0;
    var regions = selectedRegions();
    form.querySelectorAll("fieldset.checkout-shop").forEach(function (shop) {
      var fee = 0;
      var choice = shop.querySelector("input[type=radio]:checked");
      if (choice) { fee = parseInt(choice.getAttribute("data-fee") || "0", 10); }
      total += parseInt(shop.getAttribute("data-subtotal") || "0", 10) + fee;
      var feeEl = shop.querySelector(".shop-fee");
      if (feeEl) { feeEl.textContent = fmt.format(fee / 100); }
      var zones = (shop.getAttribute("data-zones") || "").split(",");
      var inside = regions && regions.some(function (id) { return id && zones.indexOf(id) >= 0; });
      var outside = choice && choice.value === "delivery" && regions && !inside;
      shop.classList.toggle("cannot-deliver", !!outside);
    });
    if (totalEl) { totalEl.textContent = fmt.format(total / 100); }
  }

  form.addEventListener("change", update);
  form.addEventListener("submit", function () {
    var button = document.getElementById("place-order");
    if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
  });
  update();
})();
