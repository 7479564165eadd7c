// After django-otp-webauthn's script has created and registered a passkey, go back to the
// security page, which lists it (and the message the server recorded).
document.addEventListener("otp_webauthn.register_complete", function () {
  var done = document.querySelector("[data-passkey-done]");
  if (done) {
    window.location.assign(done.getAttribute("data-passkey-done"));
  }
});
