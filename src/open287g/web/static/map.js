// A click (or tap) on a county of the national map opens its page; the map itself holds no links, so
// that keyboard and screen-reader users pass it in one step (they reach counties by the search box).
document.addEventListener("DOMContentLoaded", function () {
  var map = document.querySelector("svg.map");
  if (!map) return;
  var lang = new URLSearchParams(window.location.search).get("lang");
  map.addEventListener("click", function (event) {
    var fips = event.target.getAttribute && event.target.getAttribute("data-fips");
    if (fips) window.location.href = "/counties/" + fips + (lang ? "?lang=" + encodeURIComponent(lang) : "");
  });
});
