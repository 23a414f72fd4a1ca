import { defineCatalogue } from "./catalogue.ts";

/**
 * What the server's own wizard pages say (the list of flows, the not-found page, the
 * note without JavaScript), in English, German and Arabic; the wizard's script says
 * the rest.
 *
 * @example translate(pageMessages, "de", "flows") // "Vorgänge"
 */
export const pageMessages = defineCatalogue({
  en: {
    flows: "Flows",
    flowsHeading: "Choose what to fill in",
    noScript: "This form needs JavaScript. The API it uses is documented in the README.",
    notFound: "Not found",
    notFoundHeading: "There is no flow at this address",
    allFlows: "See the flows this server has",
  },
  de: {
    flows: "Vorgänge",
    flowsHeading: "Wählen Sie, was Sie ausfüllen möchten",
    noScript:
      "Dieses Formular benötigt JavaScript. Die API, die es verwendet, ist in der README beschrieben.",
    notFound: "Nicht gefunden",
    notFoundHeading: "Unter dieser Adresse gibt es keinen Vorgang",
    allFlows: "Die Vorgänge dieses Servers ansehen",
  },
  ar: {
    flows: "النماذج",
    flowsHeading: "اختر ما تريد تعبئته",
    noScript:
      "يحتاج هذا النموذج إلى JavaScript. الواجهة البرمجية التي يستخدمها موثّقة في ملف README.",
    notFound: "غير موجود",
    notFoundHeading: "لا يوجد نموذج على هذا العنوان",
    allFlows: "اعرض نماذج هذا الخادم",
  },
});
