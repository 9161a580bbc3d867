-- One row per deal id of the deal log, with the number of its creation events: what the
-- data-quality list needs to flag reused deal ids and to know the deal ids of activities.
-- Incremental (macros/incremental_refresh.sql): a refresh counts again the deals of the deal
-- log's new lines, from all their rows, and replaces their rows (delete+insert on deal_id); a
-- full load, a changed input or --full-refresh rebuilds it.
{{ config(**incremental_config(unique_key='deal_id')) }}
{%- set scope = incremental_scope() %}
{%- set of_touched_deals = '' if scope.full else
    ' and deal_id in (select touched_deals.deal_id from touched_deals)' %}

with
{%- if not scope.full %}
touched_deals as (
    select distinct deal_id
    from {{ ref('stg_pipedrive__deal_changes') }}
    where {{ incremental_window(scope, 'deal_changes', 'deal_change_id') }}
),
{%- endif %}

deal_changes as (
    select * from {{ ref('stg_pipedrive__deal_changes') }}
    where {{ incremental_window(scope, 'deal_changes', 'deal_change_id', all_rows=true) }}
    {{- of_touched_deals }}
),

aggregated as (
    select
        deal_id,
        count(*) filter (where changed_field_key = 'add_time') as creation_events_count
    from deal_changes
    where deal_id is not null
    group by deal_id
),

final as (
    select
        deal_id,
        creation_events_count,
        creation_events_count > 1 as has_reused_deal_id
    from aggregated
)

select * from final
