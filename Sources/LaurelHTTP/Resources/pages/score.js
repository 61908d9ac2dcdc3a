// Score sheets: what a member types is saved on this device as they go (localStorage), put back
// when the page opens again, and counted ("12 of 30 scored"). The server takes whole sheets only;
// without JavaScript the form works the same, without the saving and the live count.
(function () {
  var form = document.querySelector("form.sheet");
  if (!form) return;
  var key = form.getAttribute("data-storage");
  var total = Number(form.getAttribute("data-total"));
  var count = document.getElementById("scored-count");
  var template = count ? count.textContent.replace(/\d+(\D+)\d+/, "%1$1%2") : "";
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }
  var inputs = form.querySelectorAll("input[type=number]");
  var saved = {};
  if (store) { try { saved = JSON.parse(store.getItem(key) || "{}") || {}; } catch (e) { saved = {}; } }
  if (/[?&]sent=1/.test(location.search) && store) { store.removeItem(key); saved = {}; }
  inputs.forEach(function (input) { if (!input.value && saved[input.name] != null) input.value = saved[input.name]; });
  function recount() {
    var done = 0;
    form.querySelectorAll("fieldset.line").forEach(function (line) {
      var all = line.querySelectorAll("input[type=number]");
      var filled = Array.prototype.every.call(all, function (input) { return input.value !== ""; });
      if (filled) done += 1;
    });
    if (count && template) count.textContent = template.replace("%1", done).replace("%2", total);
  }
  form.addEventListener("input", function (event) {
    if (store && event.target.name) {
      saved[event.target.name] = event.target.value;
      try { store.setItem(key, JSON.stringify(saved)); } catch (e) {}
    }
    recount();
  });
  recount();
})();
