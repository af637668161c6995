// The kit has no clock of its own: sign-in offers this device's time with the form.
// Without JavaScript the field stays empty and the kit simply keeps its clock.
(function () {
  var field = document.getElementById("browser_time");
  if (!field) { return; }
  field.value = String(Date.now());
  if (field.form) {
    field.form.addEventListener("submit", function () { field.value = String(Date.now()); });
  }
})();
