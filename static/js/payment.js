// The card page: Stripe.js's Card Element makes a token; the server confirms the PaymentIntent and,
// when the bank asks for 3-D Secure, Stripe.js runs it; then the return page asks Stripe how it went.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") { return; }
  var stripe = Stripe(form.dataset.publishableKey);
  var card = null;
  if (document.getElementById("card-element")) {
    card = stripe.elements().create("card");
    card.mount("#card-element");
  }
  var button = document.getElementById("pay-button");
  var errors = document.getElementById("card-errors");

  function fail(message) {
    errors.textContent = message || form.dataset.errorGeneric;
    errors.hidden = false;
    if (button) { button.disabled = false; }
  }

  function post(body) {
    return fetch(form.dataset.confirmUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }

  // Alipay / WeChat Pay: Stripe.js confirms with the client secret (a redirect or a QR code), then
  // the return page asks Stripe. Shown only where this Stripe.js offers them.
  var confirmers = {alipay: "confirmAlipayPayment", wechat_pay: "confirmWechatPayPayment"};
  Array.prototype.forEach.call(document.querySelectorAll(".pay-wallet"), function (wallet) {
    var fn = stripe[confirmers[wallet.dataset.method]];
    if (typeof fn !== "function" || !form.dataset.clientSecret) { return; }
    wallet.hidden = false;
    wallet.addEventListener("click", function () {
      wallet.disabled = true;
      var back = new URL(form.dataset.returnUrl, window.location.href).href;
      var options = wallet.dataset.method === "alipay" ? {return_url: back}
                  : {payment_method_options: {wechat_pay: {client: "web"}}};
      fn.call(stripe, form.dataset.clientSecret, options).then(function (result) {
        if (result.error) { wallet.disabled = false; fail(result.error.message); return; }
        window.location.assign(form.dataset.returnUrl);
      });
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!card || button.disabled) { return; }  // one submit at a time
    button.disabled = true;
    errors.hidden = true;
    stripe.createToken(card).then(function (result) {
      if (result.error || !result.token) { throw result.error || {}; }
      return post({payment_id: parseInt(form.dataset.paymentId, 10), token: result.token.id});
    }).then(function (answer) {
      if (answer.error) { throw {message: answer.error}; }
      if (answer.state === "requires_action") {
        var next = stripe.handleNextAction ? stripe.handleNextAction({clientSecret: answer.client_secret})
                                           : stripe.confirmCardPayment(answer.client_secret);
        return next.then(function () { window.location.assign(answer.redirect); });
      }
      window.location.assign(answer.redirect);
    }).catch(function (error) { fail(error && error.message); });
  });
})();
