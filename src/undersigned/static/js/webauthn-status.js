// allauth's passkey script reports a failed or cancelled ceremony only to the console;
// this says it on the page, in the alert beside the button, and lets the person try again.
(function () {
  document.addEventListener("allauth.error", function (event) {
    var status = document.querySelector("[data-webauthn-status]");
    if (!status) return;
    event.preventDefault();
    var error = event.detail && event.detail.exception;
    var cancelled = error && error.name === "NotAllowedError";
    // The words come from the status element's data attributes, in the page's language.
    var detail = error && error.message ? " (" + error.message + ")" : "";
    status.textContent = cancelled
      ? status.dataset.cancelled
      : status.dataset.failed + detail;
    status.hidden = false;
  });
})();
