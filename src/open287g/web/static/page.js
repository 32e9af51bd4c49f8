// A printed page says where it came from: the full address of the page (the server writes only its path,
// never trusting the Host header with what it caches).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".page-url").forEach(function (el) { el.textContent = window.location.href; });
});
