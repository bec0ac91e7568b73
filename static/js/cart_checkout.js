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

  function selectedRegion() {
    var a = form.querySelector("input[name=address_id]:checked");
    return a ? a.getAttribute("data-region") : null;
  }

  function update() {
    var total = 0;
    var region = selectedRegion();
    form.querySelectorAll("fieldset.checkout-shop").forEach(function (shop) {
      var fee = 0;
      var choice = shop.querySelector("input[type=radio]:checked");
      if (choice) { fee = parseInt(choice.getAttribute("data-fee") || "0", 10); }
      total += parseInt(shop.getAttribute("data-subtotal") || "0", 10) + fee;
      var feeEl = shop.querySelector(".shop-fee");
      if (feeEl) { feeEl.textContent = fmt.format(fee / 100); }
      var counties = (shop.getAttribute("data-counties") || "").split(",");
      var outside = choice && choice.value === "delivery" && region && counties.indexOf(region) < 0;
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
