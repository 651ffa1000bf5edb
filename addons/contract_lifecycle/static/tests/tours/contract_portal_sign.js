/** @odoo-module **/

import {registry} from "@web/core/registry";

// The customer signs the approved contract from the link (data from the
// Python test: the tour starts on the contract's portal page).
registry.category("web_tour.tours").add("contract_lifecycle_portal_sign", {
    steps: () => [
        {
            content: "the contract's terms are shown",
            trigger: ".o_contract_portal:contains(Delivery in Hangzhou.)",
        },
        {
            content: "open the signature dialog",
            trigger: "a.o_contract_sign_btn",
            run: "click",
        },
        {
            // The widget sizes its canvas once the dialog is shown; a
            // signature taken before is an empty image (refused).
            content: "the signature area has its size",
            trigger: ".modal canvas.o_web_sign_signature",
            async run() {
                for (let i = 0; i < 200 && !this.anchor.width; i++) {
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
                if (!this.anchor.width) {
                    throw new Error("the signature canvas was never sized");
                }
            },
        },
        {
            content: "the signer's name is filled in",
            trigger: ".modal .o_web_sign_name_and_signature input:value(Portal Customer)",
        },
        {
            content: "choose a signature style",
            trigger: ".modal .o_web_sign_auto_select_style button",
            run: "click",
        },
        {
            content: "style 2",
            trigger: ".o-dropdown-item:eq(1)",
            run: "click",
        },
        {
            content: "sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "the contract is signed",
            trigger: ".o_contract_portal .alert-success",
        },
    ],
});
