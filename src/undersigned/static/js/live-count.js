// Keeps the count on a letter page fresh. The page works without it.
(function () {
  var el = document.querySelector("[data-count-url]");
  if (!el || !window.fetch) return;
  var progress = document.querySelector("progress.goal");
  var label = document.querySelector(".count-label");
  var format = new Intl.NumberFormat(document.documentElement.lang || "en");
  function refresh() {
    if (document.hidden) return;
    fetch(el.dataset.countUrl, { cache: "no-cache", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        // The server's own wording where it has one: counts in steps read "150+".
        var text = data.display || format.format(data.total_signatures);
        if (el.textContent !== text) el.textContent = text;
        if (label) label.textContent = text === "1" ? "signature" : "signatures";
        if (progress) progress.value = data.total_signatures;
      })
      .catch(function () {});
  }
  setInterval(refresh, 1000);
})();
