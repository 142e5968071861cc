// A "Copy" button beside an address to share. The page works without it: the button
// stays hidden and the address is text to select.
(function () {
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copyStatus);
    if (!field) return;
    function say(text) {
      if (status) status.textContent = text;
    }
    function copySelected() {
      field.select();
      try {
        if (document.execCommand("copy")) return say("Copied the address.");
      } catch (error) {}
      say("The address is selected: copy it with Ctrl+C, or ⌘C on a Mac.");
    }
    field.addEventListener("focus", function () { field.select(); });
    button.addEventListener("click", function () {
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          say("Copied the address.");
        }, copySelected);
      } else {
        copySelected();
      }
    });
    button.hidden = false;
  });
})();
