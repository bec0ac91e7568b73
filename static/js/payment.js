// The card page: Stripe.js's Card Element makes a token; the server confirms the PaymentIntent and,
// when the bank asks for 3-D Secure, Stripe.js runs it; then the return page asks Stripe how it went.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") { return; }
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var button = document.getElementById("pay-button");
  var errors = document.getElementById("card-errors");

  function fail(message) {
    errors.textContent = message || form.dataset.errorGeneric;
    errors.hidden = false;
    button.disabled = false;
  }

  function post(body) {
    return fetch(form.dataset.confirmUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) { return; }  // one submit at a time
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
