// Live pages: when the campaign logs something, the server says so over Server-Sent Events and
// the page's main part is fetched again and swapped in, without a reload. While a person is
// typing in a form of the page, it waits. Without JavaScript the page is the same, not live.
(function () {
  var main = document.getElementById("main");
  var url = main && main.getAttribute("data-live");
  if (!url || !window.EventSource || !window.fetch) return;
  var busy = false;
  var again = false;
  function typing() {
    var active = document.activeElement;
    return active && main.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }
  function refresh() {
    if (busy) { again = true; return; }
    if (typing()) { setTimeout(refresh, 1000); return; }
    busy = true;
    fetch(location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var next = html && new DOMParser().parseFromString(html, "text/html").getElementById("main");
        if (next) { main.innerHTML = next.innerHTML; main.setAttribute("data-updated", String(Date.now())); later(); }
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  // A part of the page the server is still working out says so; it is asked for again soon.
  function later() {
    var stale = main.querySelector("[data-stale]");
    if (stale) setTimeout(refresh, Number(stale.getAttribute("data-stale")) || 10000);
  }
  new EventSource(url).addEventListener("change", refresh);
  later();
})();
