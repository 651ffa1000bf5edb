import { _t } from "@web/core/l10n/translation";
import { loadBundle } from "@web/core/assets";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Component, onWillStart, onWillUnmount, useEffect, useRef, useState } from "@odoo/owl";

/**
 * A chart of the dashboard (Chart.js from Odoo's own bundle, loaded lazily as
 * the graph view does); a click on a bar opens the list behind it.
 */
export class ControlDashboardChart extends Component {
    static template = "sales_internal_control.ControlDashboardChart";
    static props = { chart: Object, onOpen: Function };

    setup() {
        this.canvasRef = useRef("canvas");
        this.chart = null;
        onWillStart(() => loadBundle("web.chartjs_lib"));
        useEffect(
            () => {
                this.renderChart();
                return () => this.chart?.destroy();
            },
            () => [this.props.chart]
        );
    }

    renderChart() {
        const { chart, onOpen } = this.props;
        this.chart = new window.Chart(this.canvasRef.el, {
            type: chart.type,
            data: {
                labels: chart.labels,
                datasets: [
                    { label: chart.title, data: chart.values, backgroundColor: chart.colors },
                ],
            },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                plugins: { legend: { display: chart.type !== "bar" } },
                onClick: (_event, elements) => {
                    const action = elements.length && chart.actions[elements[0].index];
                    if (action) {
                        onOpen(action);
                    }
                },
            },
        });
    }
}

/**
 * Internal Control > Overview: KPI tiles, charts and budget progress from
 * ``control.dashboard.get_data(period)``; every tile opens its filtered list.
 */
export class ControlDashboard extends Component {
    static template = "sales_internal_control.ControlDashboard";
    static components = { ControlDashboardChart };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.ui = useState(useService("ui"));
        this.state = useState({ period: "month", data: null, loading: true });
        this.periods = [
            { key: "month", label: _t("This Month") },
            { key: "quarter", label: _t("This Quarter") },
            { key: "year", label: _t("This Year") },
        ];
        onWillStart(() => this.load());
        this.alive = true;
        onWillUnmount(() => (this.alive = false));
    }

    async load() {
        this.state.loading = true;
        const data = await this.orm.call("control.dashboard", "get_data", [this.state.period]);
        if (this.alive) {
            this.state.data = data;
            this.state.loading = false;
        }
    }

    async setPeriod(key) {
        if (key !== this.state.period) {
            this.state.period = key;
            await this.load();
        }
    }

    open(action) {
        // On a phone, the cards first where the list has them.
        const views = action.views || [];
        if (this.ui.isSmall && views.some(([, type]) => type === "kanban")) {
            action = {
                ...action,
                views: [
                    ...views.filter(([, type]) => type === "kanban"),
                    ...views.filter(([, type]) => type !== "kanban"),
                ],
            };
        }
        this.action.doAction(action);
    }

    get emptyText() {
        return _t("Nothing to show: you have no rights on the control figures.");
    }

    get periodText() {
        const period = this.state.data?.period;
        if (!period) {
            return "";
        }
        return _t("%(from)s to %(to)s", {
            from: formatDate(deserializeDate(period.date_from)),
            to: formatDate(deserializeDate(period.date_to)),
        });
    }

    barWidth(item) {
        return Math.max(0, Math.min(item.pct, 100));
    }
}

registry.category("actions").add("sales_internal_control.dashboard", ControlDashboard);
