import { registry } from "@web/core/registry";

// "My Approvals" on a phone: the requests are kanban cards with Approve and
// Reject buttons. SIC-TOUR-A is approved, SIC-TOUR-B rejected with a reason.
registry.category("web_tour.tours").add("sales_internal_control_my_approvals_mobile", {
    url: "/odoo/action-sales_internal_control.control_approval_request_action_my",
    steps: () => [
        {
            content: "The phone layout shows the requests as cards",
            trigger: ".o_kanban_view .o_kanban_record:contains(SIC-TOUR-A)",
        },
        {
            content: "No list view on a phone",
            trigger: "body:not(:has(.o_list_view))",
        },
        {
            content: "Approve the first order from its card",
            trigger: ".o_kanban_record:contains(SIC-TOUR-A) button[name=action_approve]",
            run: "click",
        },
        {
            content: "Its card has no decision left",
            trigger:
                ".o_kanban_view:not(:has(.o_kanban_record:contains(SIC-TOUR-A) button[name=action_approve]))",
        },
        {
            content: "Reject the second order",
            trigger:
                ".o_kanban_record:contains(SIC-TOUR-B) button[name=action_open_reject_wizard]",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name=reason] textarea",
            run: "edit Price not agreed with the customer",
        },
        {
            content: "Confirm the rejection",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The dialog is closed and the card has no decision left",
            trigger:
                "body:not(:has(.modal)) .o_kanban_view:not(:has(.o_kanban_record:contains(SIC-TOUR-B) button[name=action_approve]))",
        },
    ],
});
