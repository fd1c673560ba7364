// The pages of the demo archive that the browser checks visit: one of every kind.

/** The search page; enabled once search lands on main (set to 'search/index.html'). */
export const SEARCH_PAGE = null;

export const PAGES = [
  'index.html',
  'reports/kaz-2024-003/index.html', // German (de-AT) report with an appendix in English
  'reports/irn-2025-004/index.html', // English report
  'organisations/usdos/index.html',
  'sources/usdos-hrr-2023-kaz/index.html',
  'reports/index.html',
  'reports/page/2/index.html',
  'countries/index.html',
  'countries/kazakhstan/index.html',
  'organisations/index.html',
  'sources/index.html',
  'about/index.html',
  '404.html',
  ...(SEARCH_PAGE ? [SEARCH_PAGE] : []),
];

/** Widths the checks run at: an office screen and a small phone. */
export const WIDTHS = [1280, 360];
