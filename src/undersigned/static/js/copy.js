// A "Copy" button beside an address to share. The page works without it: the button
// stays hidden and the address is text to select. What it says comes from the button's
// data attributes, in the page's language.
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
        if (document.execCommand("copy")) return say(button.dataset.copied);
      } catch (error) {}
      say(button.dataset.selected);
    }
    field.addEventListener("focus", function () { field.select(); });
    button.addEventListener("click", function () {
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          say(button.dataset.copied);
        }, copySelected);
      } else {
        copySelected();
      }
    });
    button.hidden = false;
  });
})();
