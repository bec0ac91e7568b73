/* WeChat Pay JSAPI: hand the page's signed parameters to WeChat's own bridge (only present inside
   WeChat's browser), then go to the result page, which asks WeChat Pay how the trade stands. */
(function () {
  "use strict";
  var box = document.getElementById("jsapi-pay");
  if (!box) { return; }
  var params = JSON.parse(box.getAttribute("data-params"));
  var retry = document.getElementById("jsapi-retry");

  function show(state) {
    var rows = box.querySelectorAll(".jsapi-state");
    for (var i = 0; i < rows.length; i++) {
      rows[i].hidden = rows[i].getAttribute("data-state") !== state;
    }
    retry.hidden = state !== "cancelled" && state !== "failed";
  }

  function pay() {
    show("starting");
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (res) {
      var message = (res && res.err_msg) || "";
      if (message === "get_brand_wcpay_request:ok") {
        window.location.assign(box.getAttribute("data-done"));
      } else if (message === "get_brand_wcpay_request:cancel") {
        show("cancelled");
      } else {
        show("failed");
      }
    });
  }

  retry.addEventListener("click", pay);
  if (window.WeixinJSBridge) {
    pay();
  } else if (/MicroMessenger/.test(navigator.userAgent)) {
    document.addEventListener("WeixinJSBridgeReady", pay, false);
  } else {
    show("outside");
  }
}());
