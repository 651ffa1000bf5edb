import { registry } from "@web/core/registry";

// Internal Control > Overview: the tiles and a chart are shown, a tile opens
// its filtered list (the document waiting for approval, SIC-DASH-A).
function dashboardSteps(listSelector) {
    return [
        {
            content: "The dashboard shows the approvals section",
            trigger: ".o_control_dashboard .o_control_dashboard_section[data-section=approvals]",
        },
        {
            content: "The findings chart is drawn (Chart.js from Odoo's bundle)",
            trigger: ".o_control_dashboard_chart[data-chart=findings] canvas",
        },
        {
            content: "Switch the period to this year",
            trigger: ".o_control_dashboard_periods button[data-period=year]",
            run: "click",
        },
        {
            content: "The year is selected",
            trigger: ".o_control_dashboard_periods button.btn-primary[data-period=year]",
        },
        {
            content: "Open the documents waiting",
            trigger: ".o_control_dashboard_tile[data-tile=waiting]",
            run: "click",
        },
        {
            content: "The filtered list shows the waiting document",
            trigger: `${listSelector}:contains(SIC-DASH-A)`,
        },
    ];
}

registry.category("web_tour.tours").add("sales_internal_control_dashboard", {
    url: "/odoo/internal-control",
    steps: () => [
        {
            content: "Desktop layout",
            trigger: ".o_control_dashboard:not(.o_control_dashboard_small)",
        },
        ...dashboardSteps(".o_list_view .o_data_row"),
    ],
});

registry.category("web_tour.tours").add("sales_internal_control_dashboard_mobile", {
    url: "/odoo/internal-control",
    steps: () => [
        {
            content: "Phone layout",
            trigger: ".o_control_dashboard.o_control_dashboard_small",
        },
        ...dashboardSteps(".o_kanban_view .o_kanban_record"),
    ],
});
