// "Cite this report": the page says the day it was built; with JavaScript, the access
// note shows the reader's today instead, in the report's own date format.
(function () {
  'use strict';
  var box = document.querySelector('.accessed-today');
  var time = box && box.querySelector('time');
  if (!time) return;
  var now = new Date();
  var months = box.getAttribute('data-months').split(',');
  var day = now.getDate();
  var pad = function (n) { return (n < 10 ? '0' : '') + n; };
  var date = (box.hasAttribute('data-day-dot') ? day + '.' : String(day)) + '\u00a0' + months[now.getMonth()] + ' ' + now.getFullYear();
  time.setAttribute('datetime', now.getFullYear() + '-' + pad(now.getMonth() + 1) + '-' + pad(day));
  time.textContent = box.getAttribute('data-phrase').replace('{date}', date);
})();
