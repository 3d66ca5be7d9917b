// Test hooks for the end-to-end suite, injected into a COPY of dist/ by the harness only
// (never shipped). Before the app loads, from localStorage:
//   e2e.clockShiftMs  shift Date by this many ms (a browser clock that is wrong)
//   e2e.fetch         {"<url part>": "refuse" | "hang" | "hold"}: fetches to matching URLs fail
//                     as a refused connection does, never answer (and ignore their abort
//                     signal), or wait until the test calls window.__e2eRelease()
//   e2e.sessionStorageFull  "1": sessionStorage refuses to store the app's session (quota)
(() => {
  if (localStorage.getItem('e2e.sessionStorageFull') === '1') {
    const realSetItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      if (this === window.sessionStorage && String(key).startsWith('dragons-login.session')) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return realSetItem.call(this, key, value);
    };
  }
  const shift = Number(localStorage.getItem('e2e.clockShiftMs') || 0);
  if (shift) {
    const RealDate = Date;
    class ShiftedDate extends RealDate {
      constructor(...args) {
        super(...(args.length ? args : [RealDate.now() + shift]));
      }
      static now() {
        return RealDate.now() + shift;
      }
    }
    window.Date = ShiftedDate;
  }
  const realFetch = window.fetch.bind(window);
  window.__e2eFetches = [];
  let held = [];
  window.__e2eRelease = () => {
    const go = held;
    held = [];
    go.forEach((f) => f());
    return go.length;
  };
  window.fetch = (input, init) => {
    const url = String((input && input.url) || input);
    window.__e2eFetches.push(url);
    const rules = JSON.parse(localStorage.getItem('e2e.fetch') || '{}');
    for (const [part, how] of Object.entries(rules)) {
      if (url.includes(part)) {
        if (how === 'hang') return new Promise(() => {});
        if (how === 'hold') {
          return new Promise((resolve, reject) =>
            held.push(() => realFetch(input, init).then(resolve, reject)),
          );
        }
        return Promise.reject(new TypeError('Failed to fetch'));
      }
    }
    return realFetch(input, init);
  };
})();
