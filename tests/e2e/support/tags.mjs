// The songs list and the tag editor, as the end-to-end tests reach them.

/** A title cell of the songs list, by its whole text (a song that cannot be read has its name
 * and the reason in spans). */
export const cell = (title) => `//div[@role="gridcell" and @data-column="title" and .="${title}"]`;

/** The heart the songs list shows by a loved song's title (`title`: the cell's whole text). */
export const lovedMark = (title) =>
  `//div[@role="row"]/div[@role="gridcell" and @data-column="title" and .="${title}"]//*[@role="img" and @aria-label="Loved"]`;

/** An item of the open songs menu (or its submenu), by its whole text. */
export const menuItem = (label) => `//li[starts-with(@role, "menuitem") and normalize-space(text())="${label}"]`;

/** The tag editor's form. */
export const tagForm = '//form[starts-with(@aria-label, "Tags of")]';

/** The value of a field of the tag editor, by its label. */
export const tagField = (label) => `${tagForm}//label[normalize-space(text())="${label}"]/input`;

/** Opens the tag editor on the selection from the songs menu of `title`'s row. */
export async function openTagEditor(browser, title) {
  await browser.$(cell(title)).click({ button: "right" });
  const menu = browser.$('[role="menu"][aria-label="Actions"]');
  await menu.waitForExist({ timeout: 5_000 });
  await browser.$('//li[@role="menuitem" and contains(., "Properties")]').click();
  await browser.$(tagForm).waitForExist({ timeout: 5_000 });
}

/**
 * Waits until `xpath` matches in the page, asked inside the page: the songs list redraws its
 * rows as the library changes, and an element handle WebDriver makes meanwhile can be stale
 * before it is returned.
 */
export async function waitForMatch(browser, xpath, timeout = 10_000) {
  await browser.waitUntil(
    () =>
      browser.execute(
        (path) => document.evaluate(path, document, null, XPathResult.BOOLEAN_TYPE, null).booleanValue,
        xpath,
      ),
    { timeout, interval: 100, timeoutMsg: `nothing matched ${xpath}` },
  );
}

/** The value of `attribute` on the first node `xpath` matches, read inside the page. */
export function attributeOf(browser, xpath, attribute) {
  return browser.execute(
    (path, name) =>
      document.evaluate(path, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue?.getAttribute(name) ?? null,
    xpath,
    attribute,
  );
}
