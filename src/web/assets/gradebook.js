// The gradebook grid without a mouse (progressive enhancement: the grid is a plain form that saves
// without this). Arrow keys move between cells: up and down always, left and right when the cell's
// whole value is selected (as a cell is when reached by an arrow, by Tab, or by the page coming back to
// it after a save: typing replaces the value, as in a spreadsheet), otherwise once the caret is at the
// start or end of what is typed. Enter saves, as in any form. A cell's place is its place in the table
// (a student not enrolled for an assignment has no field there: the arrow stops).
// The form also tells the server which cell had focus (`at`), so that the page after the save comes
// back to that cell; without this script it comes back to the last cell changed.
(function () {
  'use strict';
  var grid = document.querySelector('.hr-grid');
  if (!grid || !grid.tBodies[0]) return;
  var body = grid.tBodies[0];
  function cell(row, col) {
    var tr = body.rows[row];
    var td = tr && tr.cells[col];
    return td ? td.querySelector('input.hr-cell') : null;
  }
  var form = grid.closest('form');
  var at = form ? form.querySelector('input[name="at"]') : null;
  var last = null;
  grid.addEventListener('focusin', function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.classList.contains('hr-cell')) last = input;
  });
  if (form && at) {
    form.addEventListener('submit', function () {
      if (last && last.name.indexOf('p_') === 0) at.value = last.name.slice(2);
    });
  }
  // What is sent: a cell's points only where they differ from what is stored, the text of the row's
  // "what the page showed" (`o_<student>`: "version:points" per assignment, in the order of the form's
  // `assignments`). The server takes a cell not sent as unchanged, so a column's save carries its 35
  // cells rather than all 2,100 (50 KB of form). Compared with the stored points, not with the field's
  // first value: after a refused save the page shows again what was typed, which must still be sent.
  if (form) {
    form.addEventListener('formdata', function (event) {
      var data = event.formData;
      var order = String(data.get('assignments') || '').split(',');
      var rows = form.querySelectorAll('input[type="hidden"][name^="o_"]');
      for (var r = 0; r < rows.length; r++) {
        var student = rows[r].name.slice(2);
        var shown = rows[r].value.split(',');
        if (shown.length !== order.length) continue;
        for (var i = 0; i < order.length; i++) {
          var colon = shown[i].indexOf(':');
          if (colon < 0) continue;
          var name = 'p_' + student + '_' + order[i];
          if (data.get(name) === shown[i].slice(colon + 1)) data.delete(name);
        }
      }
    });
  }
  // The cell a save came back to is the address's fragment, focused by the browser with the caret at
  // its start: select its value, as if reached by an arrow. The browser may focus it before or after
  // this runs.
  var back = location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
  if (back instanceof HTMLInputElement && back.classList.contains('hr-cell') && grid.contains(back)) {
    if (document.activeElement === back) back.select();
    else back.addEventListener('focus', function () { back.select(); }, { once: true });
  }
  grid.addEventListener('keydown', function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains('hr-cell')) return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var td = input.closest('td');
    var tr = td && td.parentElement;
    if (!td || !tr) return;
    var row = tr.sectionRowIndex;
    var col = td.cellIndex;
    var whole = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    var atStart = whole || (input.selectionStart === 0 && input.selectionEnd === 0);
    var atEnd = whole || input.selectionStart === input.value.length;
    var next = null;
    if (event.key === 'ArrowUp') next = cell(row - 1, col);
    else if (event.key === 'ArrowDown') next = cell(row + 1, col);
    else if (event.key === 'ArrowLeft' && atStart) next = cell(row, col - 1);
    else if (event.key === 'ArrowRight' && atEnd) next = cell(row, col + 1);
    else return;
    if (!next) return;
    event.preventDefault();
    next.focus();
    next.select();
  });
})();
