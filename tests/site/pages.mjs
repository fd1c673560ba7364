// The pages of the demo archive that the browser checks visit: one of every kind.

/** The search page (set to null for a theme without search). */
export const SEARCH_PAGE = 'search/index.html';

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
  // The search page empty, and with results and filters (search.js fills them in).
  ...(SEARCH_PAGE ? [SEARCH_PAGE, `${SEARCH_PAGE}?q=police`] : []),
];

/** Widths the checks run at: an office screen and a small phone. */
export const WIDTHS = [1280, 360];
