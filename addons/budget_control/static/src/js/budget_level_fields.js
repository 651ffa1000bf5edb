import { registry } from "@web/core/registry";
import { BadgeField, badgeField } from "@web/views/fields/badge/badge_field";
import {
    ProgressBarField,
    progressBarField,
} from "@web/views/fields/progress_bar/progress_bar_field";

/**
 * The consumption bar of a budget in its alert level's colour (the record's
 * ``alert_level``); over 100 % it is a full red bar, not Odoo's grey
 * "overflow" bar that reads as empty.
 */
export class BudgetProgressBarField extends ProgressBarField {
    get progressBarColorClass() {
        const level = this.props.record.data.alert_level;
        if (level) {
            return `o_budget_level_${level}`;
        }
        return this.currentValue > this.maxValue
            ? "o_budget_level_red"
            : super.progressBarColorClass;
    }
}

export const budgetProgressBarField = {
    ...progressBarField,
    component: BudgetProgressBarField,
};

registry.category("fields").add("budget_progressbar", budgetProgressBarField);

/** The alert level as a badge in the level's colour (list, form, kanban). */
export class BudgetLevelBadgeField extends BadgeField {
    get classFromDecoration() {
        const level = this.props.record.data[this.props.name];
        return level ? `o_budget_level_${level}` : super.classFromDecoration;
    }
}

registry.category("fields").add("budget_level_badge", {
    ...badgeField,
    component: BudgetLevelBadgeField,
});
