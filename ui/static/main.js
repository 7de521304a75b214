import init from "./frontdoor_ui.js";
init();
