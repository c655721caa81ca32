/* Handwritten signatures on the screen of the form (检查表手写签名), plain JS, no framework.
 *
 * Each form marked data-signature-form holds a canvas (data-signature-pad) and a hidden
 * input (data-signature-image). Strokes are drawn with pointer events (finger, pen or
 * mouse); on submit the drawing is sent as a PNG data URL. An empty pad is refused, unless
 * the form's refusal box (data-signature-refused) is ticked. The server checks the image
 * (PNG, size), the signer's password and keeps its SM3 digest.
 */
(function () {
  'use strict';

  function setup(form) {
    var canvas = form.querySelector('[data-signature-pad]');
    var input = form.querySelector('[data-signature-image]');
    var error = form.querySelector('[data-signature-error]');
    var refused = form.querySelector('[data-signature-refused]');
    var clear = form.querySelector('[data-signature-clear]');
    if (!canvas || !input || !canvas.getContext) { return; }
    var ctx = canvas.getContext('2d');
    var drawing = false;
    var drawn = false;
    var last = null;

    function reset() {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.lineWidth = 3;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.strokeStyle = '#111';
      drawn = false;
      input.value = '';
      canvas.removeAttribute('data-signed');
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * canvas.width / box.width,
        y: (event.clientY - box.top) * canvas.height / box.height
      };
    }

    canvas.addEventListener('pointerdown', function (event) {
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
      event.preventDefault();
    });
    canvas.addEventListener('pointermove', function (event) {
      if (!drawing) { return; }
      var here = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(here.x, here.y);
      ctx.stroke();
      last = here;
      drawn = true;
      canvas.setAttribute('data-signed', '1');
      if (error) { error.hidden = true; }
      event.preventDefault();
    });
    ['pointerup', 'pointercancel', 'pointerleave'].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    if (clear) { clear.addEventListener('click', reset); }

    form.addEventListener('submit', function (event) {
      if (refused && refused.checked) { input.value = ''; return; }
      if (!drawn) {
        event.preventDefault();
        if (error) { error.hidden = false; }
        return;
      }
      input.value = canvas.toDataURL('image/png');
    });
    reset();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('form[data-signature-form]'), setup);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
