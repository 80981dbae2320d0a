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

// Pickers (templates/workbench/_picker.html): type-ahead from /pick/KIND as one types.
// Without this the "Find" button sends the form and the page lists the choices.
(function () {
  document.querySelectorAll("[data-picker]").forEach(function (box) {
    var kind = box.getAttribute("data-picker");
    var query = box.querySelector("[data-picker-query]");
    var list = box.querySelector("[data-picker-list]");
    var chosen = box.querySelector("[data-picker-chosen]");
    var names = box.querySelector("[data-picker-names]");
    var name = box.getAttribute("data-name");
    if (!query || !list) { return; }
    var timer = null;
    var asked = 0;
    function value() {
      var hidden = box.querySelector("[data-picker-value]");
      if (!hidden) {  // the choices of a search step: radio buttons become one hidden field
        box.querySelectorAll(".picker-choices").forEach(function (old) { old.remove(); });
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = name;
        hidden.setAttribute("data-picker-value", "");
        box.querySelector("fieldset").appendChild(hidden);
      }
      return hidden;
    }
    function choose(id, label) {
      value().value = id;
      chosen.textContent = label;
      list.hidden = true;
      list.textContent = "";
      query.value = "";
      query.focus();
    }
    function show(choices) {
      list.textContent = "";
      choices.forEach(function (choice) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "option");
        button.textContent = choice.label;
        button.addEventListener("click", function () { choose(choice.id, choice.label); });
        item.appendChild(button);
        list.appendChild(item);
      });
      list.hidden = choices.length === 0;
    }
    function lookUp() {
      var number = ++asked;
      var url = "/pick/" + encodeURIComponent(kind) + "?q=" + encodeURIComponent(query.value) +
        (names && names.checked ? "&names=1" : "");
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : { choices: [] }; })
        .then(function (body) { if (number === asked) { show(body.choices || []); } })
        .catch(function () { /* the Find button still works */ });
    }
    query.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, 250);
    });
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // Enter looks up here, rather than sending the form
        event.preventDefault();
        clearTimeout(timer);
        lookUp();
      } else if (event.key === "ArrowDown" && !list.hidden) {
        event.preventDefault();
        var first = list.querySelector("button");
        if (first) { first.focus(); }
      }
    });
    if (names) { names.addEventListener("change", lookUp); }
  });
})();
