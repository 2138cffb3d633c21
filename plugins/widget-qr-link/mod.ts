/** widget-qr-link: the `qr-link` widget, a QR code of the link page (qr_link.ts); config `url`. */
import { widgetPlugin } from "../compositor/mod.ts";
import { qrLink } from "./qr_link.ts";

export default widgetPlugin(qrLink);
