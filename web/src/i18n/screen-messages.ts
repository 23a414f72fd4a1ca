import { defineCatalogue } from "../../../src/i18n/catalogue.ts";
import { translator } from "./locale.ts";

/**
 * Everything the wizard's screens say around the forms: headings, buttons, notices,
 * statuses and what the live region announces, in English, German (Sie-form) and Modern
 * Standard Arabic. ICU MessageFormat: `{until}` and `{duration}` arrive formatted in the
 * page's language; `{position, number}` and plurals follow its rules.
 *
 * @example const t = translator(screenMessages); t("position", { position: 1, total: 3, undecided: 1 })
 */
export const screenMessages = defineCatalogue({
  en: {
    language: "Language",
    starting: "Starting…",
    saving: "Saving…",
    saved: "Saved",
    savedLinkChanged: "Saved. The link to continue later has changed.",
    notSavedOffline:
      "Your answers were not saved because the server could not be reached. Check your connection and try again.",
    notSavedServer:
      "Your answers were not saved because the server had a problem. Try again in a moment.",
    changedElsewhere:
      "This flow was changed in another window or tab. This is where it stands now; answers you had typed here were not saved.",
    unreachable:
      "The server could not be reached. Nothing you saved is lost: check your connection, then try again.",
    serverSaid: "The server answered “{detail}”. Nothing you saved is lost: try again in a moment.",
    linkCopied: "Link copied",
    linkSelected: "Link selected: copy it with your keyboard or menu",
    start: "Start",
    startLead:
      "Your answers are saved after each step, so you can stop at any time and continue later from the same link.",
    resumeLead:
      "You have started this before in this browser. Continue where you left off, or start again from the beginning.",
    continueWhereLeft: "Continue where you left off",
    startAgain: "Start again",
    keptFor: "Answers are kept for {duration} after the last change.",
    goneTitle: "Link not valid – {flow}",
    goneHeading: "This link has expired or is not valid",
    goneText:
      "Answers are kept for a limited time after their last change, and a link only works when it is complete. You can start again from the beginning.",
    expiredTitle: "Session expired – {flow}",
    expiredHeading: "Your session has expired",
    expiredText:
      "Nothing was saved for a while, so this flow was put aside. {kept} You can continue where you left off, or start again from the beginning.",
    keptUntil: "Your answers are kept until {until}.",
    stillKept: "Your answers are still kept.",
    failureTitle: "Not available – {flow}",
    failureHeading: "We can’t show this flow right now",
    tryAgain: "Try again",
    changedFormNotice:
      "This form has changed since you started. Please check the highlighted answers.",
    keptAnswersNotice:
      "Your session is back. What you had typed on this step is still here but not saved yet: check it and continue.",
    recovering: "Bringing your answers back…",
    recovered: "Your answers are back",
    updatedElsewhere: "Updated in another window.",
    progress: "Progress",
    statusDone: "Done",
    statusEditing: "Editing",
    statusCurrent: "Current",
    statusPending: "To do",
    statusSkipped: "Skipped",
    statusUndecided: "To be decided",
    stepsAhead: "The steps",
    onlyIfApplies: "Only if it applies",
    doneTitle: "Done – {flow}",
    allDone: "All done",
    doneLead: "Thank you. This is what you submitted:",
    startNew: "Start a new one",
    stepTitle: "{step} – {flow}",
    position:
      "Step {position, number} of {total, number}{undecided, plural, =0 {} other {, # more to be decided}}",
    requiredHint: "Fields marked * are required.",
    problem: "There is a problem",
    back: "Back",
    next: "Continue",
    finish: "Finish",
    reviewHeading: "Check your answers",
    reviewLead: "Check what you entered before you finish. Change takes you back to that step.",
    change: "Change",
    changeStep: "Change {step}",
    laterHeading: "Continue later",
    laterSaved:
      "Your answers so far are saved. Bookmark this page or keep this link to come back until {until}.",
    laterUnsaved: "Bookmark this page or keep this link to come back to this flow until {until}.",
    linkMoves:
      "This link changes after every step, and an older link opens your older answers: copy it again before you leave.",
    laterLabel: "Link to continue later",
    copyLink: "Copy link",
    laterWarning: "Anyone with this link can see and change your answers.",
  },
  de: {
    language: "Sprache",
    starting: "Wird gestartet …",
    saving: "Wird gespeichert …",
    saved: "Gespeichert",
    savedLinkChanged: "Gespeichert. Der Link zum späteren Fortsetzen hat sich geändert.",
    notSavedOffline:
      "Ihre Angaben wurden nicht gespeichert, weil der Server nicht erreichbar war. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
    notSavedServer:
      "Ihre Angaben wurden nicht gespeichert, weil der Server ein Problem hatte. Versuchen Sie es gleich noch einmal.",
    changedElsewhere:
      "Dieser Vorgang wurde in einem anderen Fenster oder Tab geändert. Hier sehen Sie den aktuellen Stand; was Sie hier eingegeben hatten, wurde nicht gespeichert.",
    unreachable:
      "Der Server war nicht erreichbar. Nichts, was Sie gespeichert haben, ist verloren: Prüfen Sie Ihre Verbindung und versuchen Sie es dann erneut.",
    serverSaid:
      "Der Server antwortete: „{detail}“. Nichts, was Sie gespeichert haben, ist verloren: Versuchen Sie es gleich noch einmal.",
    linkCopied: "Link kopiert",
    linkSelected: "Link markiert: Kopieren Sie ihn mit der Tastatur oder über das Menü",
    start: "Starten",
    startLead:
      "Ihre Angaben werden nach jedem Schritt gespeichert. Sie können jederzeit unterbrechen und später über denselben Link weitermachen.",
    resumeLead:
      "Sie haben dies in diesem Browser schon einmal begonnen. Machen Sie dort weiter, wo Sie aufgehört haben, oder beginnen Sie von vorn.",
    continueWhereLeft: "Dort weitermachen, wo Sie aufgehört haben",
    startAgain: "Von vorn beginnen",
    keptFor: "Angaben werden nach der letzten Änderung {duration} lang aufbewahrt.",
    goneTitle: "Link ungültig – {flow}",
    goneHeading: "Dieser Link ist abgelaufen oder ungültig",
    goneText:
      "Angaben werden nach ihrer letzten Änderung nur begrenzte Zeit aufbewahrt, und ein Link funktioniert nur, wenn er vollständig ist. Sie können von vorn beginnen.",
    expiredTitle: "Sitzung abgelaufen – {flow}",
    expiredHeading: "Ihre Sitzung ist abgelaufen",
    expiredText:
      "Eine Weile wurde nichts gespeichert, daher wurde dieser Vorgang zurückgestellt. {kept} Sie können dort weitermachen, wo Sie aufgehört haben, oder von vorn beginnen.",
    keptUntil: "Ihre Angaben werden bis {until} aufbewahrt.",
    stillKept: "Ihre Angaben sind noch vorhanden.",
    failureTitle: "Nicht verfügbar – {flow}",
    failureHeading: "Dieser Vorgang kann gerade nicht angezeigt werden",
    tryAgain: "Erneut versuchen",
    changedFormNotice:
      "Dieses Formular hat sich geändert, seit Sie begonnen haben. Bitte prüfen Sie die markierten Angaben.",
    keptAnswersNotice:
      "Ihre Sitzung ist wieder da. Was Sie in diesem Schritt eingegeben hatten, ist noch hier, aber noch nicht gespeichert: Prüfen Sie es und fahren Sie fort.",
    recovering: "Ihre Angaben werden wiederhergestellt …",
    recovered: "Ihre Angaben sind wieder da",
    updatedElsewhere: "In einem anderen Fenster aktualisiert.",
    progress: "Fortschritt",
    statusDone: "Erledigt",
    statusEditing: "Wird bearbeitet",
    statusCurrent: "Aktuell",
    statusPending: "Offen",
    statusSkipped: "Übersprungen",
    statusUndecided: "Noch nicht entschieden",
    stepsAhead: "Die Schritte",
    onlyIfApplies: "Nur falls zutreffend",
    doneTitle: "Fertig – {flow}",
    allDone: "Alles erledigt",
    doneLead: "Vielen Dank. Das haben Sie angegeben:",
    startNew: "Neu beginnen",
    stepTitle: "{step} – {flow}",
    position:
      "Schritt {position, number} von {total, number}{undecided, plural, =0 {} one {, # weiterer steht noch nicht fest} other {, # weitere stehen noch nicht fest}}",
    requiredHint: "Mit * markierte Felder sind Pflichtfelder.",
    problem: "Es gibt ein Problem",
    back: "Zurück",
    next: "Weiter",
    finish: "Abschließen",
    reviewHeading: "Prüfen Sie Ihre Angaben",
    reviewLead:
      "Prüfen Sie, was Sie eingegeben haben, bevor Sie abschließen. „Ändern“ führt Sie zu diesem Schritt zurück.",
    change: "Ändern",
    changeStep: "{step} ändern",
    laterHeading: "Später fortsetzen",
    laterSaved:
      "Ihre bisherigen Angaben sind gespeichert. Setzen Sie ein Lesezeichen oder bewahren Sie diesen Link auf, um bis {until} zurückzukehren.",
    laterUnsaved:
      "Setzen Sie ein Lesezeichen oder bewahren Sie diesen Link auf, um bis {until} hierher zurückzukehren.",
    linkMoves:
      "Dieser Link ändert sich nach jedem Schritt, und ein älterer Link öffnet Ihre älteren Angaben: Kopieren Sie ihn erneut, bevor Sie gehen.",
    laterLabel: "Link zum späteren Fortsetzen",
    copyLink: "Link kopieren",
    laterWarning: "Wer diesen Link hat, kann Ihre Angaben sehen und ändern.",
  },
  ar: {
    language: "اللغة",
    starting: "جارٍ البدء…",
    saving: "جارٍ الحفظ…",
    saved: "تم الحفظ",
    savedLinkChanged: "تم الحفظ. تغيّر رابط المتابعة لاحقًا.",
    notSavedOffline: "لم تُحفظ إجاباتك لأنه تعذّر الوصول إلى الخادم. تحقّق من اتصالك وحاول مرة أخرى.",
    notSavedServer: "لم تُحفظ إجاباتك بسبب مشكلة في الخادم. حاول مرة أخرى بعد قليل.",
    changedElsewhere:
      "تغيّر هذا النموذج في نافذة أو علامة تبويب أخرى. هذا ما وصل إليه الآن؛ ولم تُحفظ الإجابات التي كتبتها هنا.",
    unreachable: "تعذّر الوصول إلى الخادم. لم يضِع شيء مما حفظته: تحقّق من اتصالك ثم حاول مرة أخرى.",
    serverSaid: "أجاب الخادم: «{detail}». لم يضِع شيء مما حفظته: حاول مرة أخرى بعد قليل.",
    linkCopied: "تم نسخ الرابط",
    linkSelected: "تم تحديد الرابط: انسخه بلوحة المفاتيح أو من القائمة",
    start: "ابدأ",
    startLead:
      "تُحفظ إجاباتك بعد كل خطوة، لذا يمكنك التوقف في أي وقت والمتابعة لاحقًا من الرابط نفسه.",
    resumeLead:
      "لقد بدأت هذا من قبل في هذا المتصفح. تابع من حيث توقفت، أو ابدأ من جديد من البداية.",
    continueWhereLeft: "تابع من حيث توقفت",
    startAgain: "ابدأ من جديد",
    keptFor: "تُحفظ الإجابات مدة {duration} بعد آخر تغيير.",
    goneTitle: "الرابط غير صالح – {flow}",
    goneHeading: "انتهت صلاحية هذا الرابط أو أنه غير صالح",
    goneText:
      "تُحفظ الإجابات مدة محدودة بعد آخر تغيير لها، ولا يعمل الرابط إلا إذا كان كاملًا. يمكنك البدء من جديد من البداية.",
    expiredTitle: "انتهت الجلسة – {flow}",
    expiredHeading: "انتهت جلستك",
    expiredText:
      "لم يُحفظ شيء منذ مدة، فوُضع هذا النموذج جانبًا. {kept} يمكنك المتابعة من حيث توقفت، أو البدء من جديد من البداية.",
    keptUntil: "إجاباتك محفوظة حتى {until}.",
    stillKept: "إجاباتك ما زالت محفوظة.",
    failureTitle: "غير متاح – {flow}",
    failureHeading: "لا يمكننا عرض هذا النموذج الآن",
    tryAgain: "حاول مرة أخرى",
    changedFormNotice: "تغيّر هذا النموذج منذ أن بدأت. يُرجى مراجعة الإجابات المميّزة.",
    keptAnswersNotice:
      "عادت جلستك. ما كتبته في هذه الخطوة ما زال هنا لكنه لم يُحفظ بعد: راجعه ثم تابع.",
    recovering: "جارٍ استعادة إجاباتك…",
    recovered: "استُعيدت إجاباتك",
    updatedElsewhere: "حُدّث في نافذة أخرى.",
    progress: "التقدّم",
    statusDone: "مكتملة",
    statusEditing: "قيد التعديل",
    statusCurrent: "الحالية",
    statusPending: "متبقية",
    statusSkipped: "متخطّاة",
    statusUndecided: "لم تتحدد بعد",
    stepsAhead: "الخطوات",
    onlyIfApplies: "عند انطباقها فقط",
    doneTitle: "تم – {flow}",
    allDone: "اكتمل كل شيء",
    doneLead: "شكرًا لك. هذا ما أرسلته:",
    startNew: "ابدأ نموذجًا جديدًا",
    stepTitle: "{step} – {flow}",
    position:
      "الخطوة {position, number} من {total, number}{undecided, plural, =0 {} one {، وخطوة أخرى لم تتحدد بعد} two {، وخطوتان أخريان لم تتحددا بعد} few {، و# خطوات أخرى لم تتحدد بعد} many {، و# خطوة أخرى لم تتحدد بعد} other {، و# خطوة أخرى لم تتحدد بعد}}",
    requiredHint: "الحقول المعلّمة بعلامة * مطلوبة.",
    problem: "هناك مشكلة",
    back: "رجوع",
    next: "متابعة",
    finish: "إنهاء",
    reviewHeading: "راجع إجاباتك",
    reviewLead: "راجع ما أدخلته قبل الإنهاء. يعيدك زر «تغيير» إلى تلك الخطوة.",
    change: "تغيير",
    changeStep: "تغيير {step}",
    laterHeading: "المتابعة لاحقًا",
    laterSaved:
      "إجاباتك حتى الآن محفوظة. أضف هذه الصفحة إلى الإشارات المرجعية أو احتفظ بهذا الرابط للعودة حتى {until}.",
    laterUnsaved:
      "أضف هذه الصفحة إلى الإشارات المرجعية أو احتفظ بهذا الرابط للعودة إلى هذا النموذج حتى {until}.",
    linkMoves:
      "يتغيّر هذا الرابط بعد كل خطوة، ويفتح الرابط الأقدم إجاباتك الأقدم: انسخه مجددًا قبل أن تغادر.",
    laterLabel: "رابط المتابعة لاحقًا",
    copyLink: "نسخ الرابط",
    laterWarning: "يمكن لأي شخص لديه هذا الرابط أن يرى إجاباتك ويغيّرها.",
  },
});

/** A key of {@link screenMessages}. */
export type ScreenMessage = keyof typeof screenMessages.en;

/**
 * Reads {@link screenMessages} in the page's current language.
 *
 * @example t("stepTitle", { step: "Contract details", flow: "Onboarding" })
 */
export const t = translator(screenMessages);
