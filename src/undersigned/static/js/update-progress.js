// Follows an update's sending on its organiser page; without it, a reload shows the same.
(function () {
  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        ["queued", "sent", "failed", "skipped"].forEach(function (name) {
          var cell = box.querySelector('[data-progress="' + name + '"]');
          if (cell) cell.textContent = data[name];
        });
        if (data.status !== "sent") setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 2000);
})();
