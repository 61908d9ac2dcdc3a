// The certificates page's print button (without JavaScript, the browser's own Print works the same).
(function () {
  var button = document.querySelector("button.print");
  if (button && window.print) button.addEventListener("click", function () { window.print(); });
})();
