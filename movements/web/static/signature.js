// Signature pads (issue 13.6): a finger (or pen, or mouse) draws on a 3:1 canvas; the
// strokes go to the pad's hidden input as JSON in pad units (x 0-1000, y 0-333), which
// the server checks and the manifest draws.  No inline script: the CSP stays strict.
(function () {
  "use strict";
  var W = 1000, H = 333;

  function setUp(canvas) {
    if (canvas.dataset.ready) { return; }
    canvas.dataset.ready = "1";
    var form = canvas.closest("form");
    var input = form && form.querySelector('input[name="' + canvas.dataset.input + '"]');
    var strokes = [];
    try { strokes = input && input.value ? JSON.parse(input.value) : []; } catch (e) { strokes = []; }
    var ctx = canvas.getContext("2d");
    var current = null;

    function redraw() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      strokes.forEach(function (s) {
        ctx.beginPath();
        s.forEach(function (p, i) {
          var x = p[0] / W * canvas.width, y = p[1] / H * canvas.height;
          if (i === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
        });
        if (s.length === 1) { ctx.lineTo(s[0][0] / W * canvas.width + 1, s[0][1] / H * canvas.height); }
        ctx.stroke();
      });
    }

    function point(e) {
      var r = canvas.getBoundingClientRect();
      var x = Math.round(Math.min(Math.max((e.clientX - r.left) / r.width, 0), 1) * W);
      var y = Math.round(Math.min(Math.max((e.clientY - r.top) / r.height, 0), 1) * H);
      return [x, y];
    }

    function save() { if (input) { input.value = strokes.length ? JSON.stringify(strokes) : ""; } }

    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      current = [point(e)];
      strokes.push(current);
      redraw();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!current) { return; }
      e.preventDefault();
      current.push(point(e));
      redraw();
    });
    function end() { if (current) { current = null; save(); } }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    var clear = form && form.querySelector('button.pad-clear[data-pad="' + canvas.id + '"]');
    if (clear) {
      clear.addEventListener("click", function () { strokes = []; save(); redraw(); });
    }
    redraw();
  }

  function all() { document.querySelectorAll("canvas.sign-pad").forEach(setUp); }
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("htmx:afterSwap", all);
}());
