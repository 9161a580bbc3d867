-- The limit: the three reports computed straight from the raw tables by one hand-written script,
-- with the README's definitions (The reports, in plain words) and none of the project's models,
-- tests or data-quality checks. `make benchmark-build` times it on the same server as the build (plain COPY
-- plus this script is the physical limit the build is measured against) and, at 100,000 deals,
-- checks that its result tables equal the marts row by row.
--
-- Reads <schema>_raw (psql variable raw_schema, default public_raw); writes the temporary tables
-- limit_funnel, limit_conversion and limit_reps (they live as long as the session).

\if :{?raw_schema}
\else
    \set raw_schema public_raw
\endif

-- Steps 1-9 (a stage change), 2.1 and 3.1 (a done sales call, by activity type), Lost (a lost
-- reason set): the mapping of seeds/funnel_steps.csv, written out.
create temporary table limit_steps (funnel_step, kpi_name, stage_id, activity_type, is_loss) as
values
    ('1', 'Lead Generation', 1, null, false),
    ('2', 'Qualified Lead', 2, null, false),
    ('2.1', 'Sales Call 1', null, 'meeting', false),
    ('3', 'Needs Assessment', 3, null, false),
    ('3.1', 'Sales Call 2', null, 'sc_2', false),
    ('4', 'Proposal/Quote Preparation', 4, null, false),
    ('5', 'Negotiation', 5, null, false),
    ('6', 'Closing', 6, null, false),
    ('7', 'Implementation/Onboarding', 7, null, false),
    ('8', 'Follow-up/Customer Success', 8, null, false),
    ('9', 'Renewal/Expansion', 9, null, false),
    ('Lost', 'Lost', null, null, true);

-- Every entry of a deal into a step. A stage or lost reason value counts when it is an integer
-- (optional sign, up to nine digits, white space around).
create temporary table limit_entries as
with changes as (
    select
        deal_id,
        changed_field_key,
        date_trunc('month', change_time) as month,
        case
            when new_value ~ '^\s*-?[0-9]{1,9}\s*$' then trim(new_value)::integer
        end as value_id
    from :"raw_schema".deal_changes
    where
        changed_field_key in ('stage_id', 'lost_reason')
        and deal_id is not null
        and change_time is not null
),

entries as (
    select changes.month, steps.funnel_step, changes.deal_id
    from changes
    inner join limit_steps as steps on changes.value_id = steps.stage_id
    where changes.changed_field_key = 'stage_id'
    union all
    select changes.month, 'Lost', changes.deal_id
    from changes
    where changes.changed_field_key = 'lost_reason' and changes.value_id is not null
    union all
    select date_trunc('month', activity.due_to), steps.funnel_step, activity.deal_id
    from :"raw_schema".activity as activity
    inner join limit_steps as steps on activity.type = steps.activity_type
    where activity.done and activity.due_to is not null and activity.deal_id is not null
)

select * from entries;

-- Deals entering each step per month: distinct deal ids per (month, step).
create temporary table limit_funnel as
with counted as (
    select month, funnel_step, count(*)::integer as deals_count
    from (select distinct month, funnel_step, deal_id from limit_entries) as deal_months
    group by month, funnel_step
)

select counted.month, steps.kpi_name, counted.funnel_step, counted.deals_count
from counted
inner join limit_steps as steps on counted.funnel_step = steps.funnel_step;

-- Cohort conversion: a deal's cohort is the month of its first entry into step 1; per cohort, the
-- deals that reached at least each stage step (their furthest stage is that one or later), and
-- those with a sales call 1, 2 or a loss at any time; rates to 4 decimals.
create temporary table limit_conversion as
with deals as (
    select
        entries.deal_id,
        min(entries.month) filter (where entries.funnel_step = '1') as cohort_month,
        max(steps.stage_id) as furthest_stage_id,
        bool_or(entries.funnel_step = '2.1') as has_sales_call_1,
        bool_or(entries.funnel_step = '3.1') as has_sales_call_2,
        bool_or(entries.funnel_step = 'Lost') as is_lost
    from limit_entries as entries
    inner join limit_steps as steps on entries.funnel_step = steps.funnel_step
    group by entries.deal_id
),

counted as (
    select
        deals.cohort_month,
        steps.funnel_step,
        steps.kpi_name,
        steps.stage_id,
        count(*) as cohort_deals_count,
        count(*) filter (
            where case
                when steps.stage_id is not null then deals.furthest_stage_id >= steps.stage_id
                when steps.funnel_step = '2.1' then deals.has_sales_call_1
                when steps.funnel_step = '3.1' then deals.has_sales_call_2
                else deals.is_lost
            end
        ) as deals_count
    from deals
    cross join limit_steps as steps
    where deals.cohort_month is not null
    group by deals.cohort_month, steps.funnel_step, steps.kpi_name, steps.stage_id
)

select
    cohort_month::date as cohort_month,
    kpi_name,
    funnel_step,
    cohort_deals_count::integer as cohort_deals_count,
    deals_count::integer as deals_count,
    case when stage_id is not null then round(
        deals_count / nullif(lag(deals_count) over (
            partition by cohort_month, stage_id is null order by stage_id
        ), 0)::numeric, 4
    ) end::numeric(5, 4) as conversion_from_previous_step,
    round(deals_count / cohort_deals_count::numeric, 4)::numeric(5, 4) as conversion_from_step_1
from counted;

-- Activity and workload per rep (by id) per month of the due time: done activities with a due time
-- and an assignee; the name masked (each run of letters or digits keeps its first character).
create temporary table limit_reps as
select
    to_char(activity.due_to, 'YYYY-MM') as month,
    activity.assigned_to_user as sales_rep_id,
    coalesce(
        regexp_replace(
            users.name, '([^[:space:]!-/:-@[-`{-~])[^[:space:]!-/:-@[-`{-~]*', '\1***', 'g'
        ),
        '(unknown user)'
    ) as sales_rep_name,
    count(distinct activity.deal_id)::integer as deals_worked,
    count(*)::integer as activities_completed,
    (count(*) filter (where activity.type = 'meeting'))::integer as sales_call_1_completed,
    (count(*) filter (where activity.type = 'sc_2'))::integer as sales_call_2_completed,
    (count(*) filter (
        where activity.type is null or activity.type not in ('meeting', 'sc_2')
    ))::integer as other_activities,
    date_trunc('month', activity.due_to)::date as month_start
from :"raw_schema".activity as activity
left join :"raw_schema".users as users on activity.assigned_to_user = users.id
where activity.done and activity.due_to is not null and activity.assigned_to_user is not null
group by 1, 2, 3, 9;
