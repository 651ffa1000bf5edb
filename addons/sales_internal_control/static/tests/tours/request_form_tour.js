import { registry } from "@web/core/registry";

// The request form on a phone: the context is there, and Approve is a
// visible button (not under the cog menu), confirmed by a notification.
registry.category("web_tour.tours").add("sales_internal_control_request_form_mobile", {
    url: "/odoo/action-sales_internal_control.control_approval_request_action_my",
    steps: () => [
        {
            content: "Open the request from its card",
            trigger: ".o_kanban_record:contains(SIC-FORM-A) .fw-bold",
            run: "click",
        },
        {
            content: "The form says why it needs approval",
            trigger: ".o_form_view:contains(Why it needs approval):contains(SIC-FORM-A)",
        },
        {
            content: "Approve with the phone's decision button",
            trigger: ".o_form_view div[name=phone_decision] button[name=action_approve]",
            run: "click",
        },
        {
            content: "A notification confirms the approval",
            trigger: ".o_notification:contains(SIC-FORM-A)",
        },
        {
            content: "No decision is left on the form",
            trigger: ".o_form_view:not(:has(div[name=phone_decision]))",
        },
    ],
});
