// allauth's passkey script reports a failed or cancelled ceremony only to the console;
// this says it on the page, in the alert beside the button, and lets the person try again.
(function () {
  document.addEventListener("allauth.error", function (event) {
    var status = document.querySelector("[data-webauthn-status]");
    if (!status) return;
    event.preventDefault();
    var error = event.detail && event.detail.exception;
    var cancelled = error && error.name === "NotAllowedError";
    status.textContent = cancelled
      ? "The passkey was not used: the request was cancelled or timed out. Try again."
      : "The passkey did not work in this browser" + (error && error.message ? " (" + error.message + ")" : "") + ". Try again, or use another way.";
    status.hidden = false;
  });
})();
