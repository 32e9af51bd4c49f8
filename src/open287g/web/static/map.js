// A click (or tap) on a county of the national map opens its page; the map itself holds no links, so
// that keyboard and screen-reader users pass it in one step (they reach counties by the search box).
document.addEventListener("DOMContentLoaded", function () {
  var map = document.querySelector("svg.map");
  if (!map) return;
  // the county page keeps the language and the day the map shows
  var here = new URLSearchParams(window.location.search), kept = new URLSearchParams();
  ["on", "lang"].forEach(function (name) { if (here.get(name)) kept.set(name, here.get(name)); });
  var query = kept.toString();
  map.addEventListener("click", function (event) {
    var fips = event.target.getAttribute && event.target.getAttribute("data-fips");
    if (fips) window.location.href = "/counties/" + fips + (query ? "?" + query : "");
  });
});
