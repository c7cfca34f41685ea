// The songs list and the tag editor, as the end-to-end tests reach them.

/** A title cell of the songs list, by its whole text (a song that cannot be read has its name
 * and the reason in spans). */
export const cell = (title) => `//div[@role="gridcell" and @data-column="title" and .="${title}"]`;

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
